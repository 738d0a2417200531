"""Access control as LibreChat has it: ACLs on resources, groups, system capabilities."""
