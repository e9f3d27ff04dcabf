print("gateway-medic bench: not built yet")
