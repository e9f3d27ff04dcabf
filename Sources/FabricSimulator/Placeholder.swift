// Placeholder: FabricSimulator is built in its own issue.
