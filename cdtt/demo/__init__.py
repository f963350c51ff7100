"""The demo data of ``manage.py load_demo``: a slice of Hà Nội made through the services people use.

One module per domain (places and accounts, the team, households, the year's work, reports, difficulties,
training, practices); ``seed.demo_load`` runs them in order. No app imports this one: demo data stays out of
the domain apps.
"""
