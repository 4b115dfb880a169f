"""Domain services: plain values and a clock in, plain data out, domain errors raised."""
