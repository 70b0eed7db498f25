"""Process models of the smelter: furnace mechanism model, online correction, setpoint guidance,
tankhouse short-circuit detection, datasets and their evaluation. Qt-free; numpy and stdlib only."""
