"""The xAPI domain: validation, agent identity, query semantics, formats; free of Flask and storage."""
