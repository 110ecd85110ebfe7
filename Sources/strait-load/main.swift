print("strait-load: not yet implemented")
