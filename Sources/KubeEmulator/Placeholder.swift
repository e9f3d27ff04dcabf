// Placeholder: KubeEmulator is built in its own issue.
