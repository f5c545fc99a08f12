# Allocates (and touches) memory until something gives.
chunks = []
while True:
    chunks.append(b"x" * (128 * 2**20))
