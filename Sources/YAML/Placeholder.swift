// Placeholder: YAML is built in its own issue.
