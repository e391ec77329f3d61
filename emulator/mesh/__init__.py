"""MZI meshes: the 2x2 MZI, mesh layouts and their transfer, Clements and Reck
decompositions, SVD mapping of arbitrary matrices, and phase perturbations."""
