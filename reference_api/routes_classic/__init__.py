"""The classic dialect's HTTP surface: thin adapters over the contract dialect's handlers.

Each handler validates and translates the classic shapes, calls the contract handler of the same
operation (so the core and every fault are shared) and reshapes its answer.
"""
