"""Who is asking: credentials, their xAPI scopes, and the authority they give statements."""
