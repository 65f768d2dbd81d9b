"""Loop families: one module per family, each exporting one ``Family`` (see ``base``).

Families are imported lazily through ``looplab.experiments.registry``; import a family
module directly only when you need its names.
"""
