"""python -m kaohe: the same as the kaohe command."""

from kaohe.cli import main

if __name__ == "__main__":
    main()
