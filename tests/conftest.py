import os
import sys

# the reference implementations next to the tests are imported as plain modules
sys.path.insert(0, os.path.dirname(__file__))
