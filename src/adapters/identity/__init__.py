"""Security adapters of the identity context: Argon2id, the common-password list, JWT, TOTP."""
