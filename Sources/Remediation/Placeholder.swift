// Placeholder: Remediation is built in its own issue.
