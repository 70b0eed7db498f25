"""Tag-map tools for commissioning: CSV import/export, YAML output, starter configs, diffs."""
