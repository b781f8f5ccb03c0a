"""kaohe serve: the submission desk, a small web application for the bureau and every street.

store.py keeps the data folder (files and SQLite state) and knows nothing of the web; app.py is the web
application (Starlette, Jinja2 pages, no JavaScript build step) on top of the store and the library API.
"""
