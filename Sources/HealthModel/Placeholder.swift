// Placeholder: HealthModel is built in its own issue.
