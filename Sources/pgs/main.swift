print("pgs")
