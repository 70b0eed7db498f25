"""Beyond one machine: plant-wide history in PostgreSQL, the NATS JetStream bus, the OPC UA server.

Each part runs on an existing engine (PostgreSQL, nats-server, OPC UA), never a home-made protocol.
"""
