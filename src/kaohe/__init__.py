"""kaohe (考核): a district's yearly community-building target assessment."""

__version__ = "0.1.0"
