"""Read models of the sharing context: ACL entries, groups, effective permissions."""
