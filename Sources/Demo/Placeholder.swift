// Placeholder: the demo is built in its own issue.
