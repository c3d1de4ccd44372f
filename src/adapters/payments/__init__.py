"""Payment providers: webhook signatures (and, next, the gateways)."""
