"""COS request signatures (q-sign-algorithm=sha1): the reference signer, the verifier, key permissions."""
