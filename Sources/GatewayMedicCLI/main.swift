print("gateway-medic: not built yet")
