// Placeholder: OperatorRuntime is built in its own issue.
