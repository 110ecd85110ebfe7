print("straitd: not yet implemented")
