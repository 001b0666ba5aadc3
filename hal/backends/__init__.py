"""HAL backends, one module per scheme."""
