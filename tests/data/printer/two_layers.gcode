; two layers of a 20 mm square, hatched by hand
M104 S1100
G28
G0 X10 Y10 Z1
G1 X30 Y10
G0 X30 Y12
G1 X10 Y12
G0 X10 Y14 Z2   ; next layer
G1 X30 Y14
M109 S1100
