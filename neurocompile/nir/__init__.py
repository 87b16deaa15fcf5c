"""NIR (Neuromorphic Intermediate Representation) import and export.

``read_nir(path, dt=...)`` turns a ``.nir`` file written by snnTorch, Norse, Sinabs, Rockpool,
... into a :class:`~neurocompile.Network`; ``write_nir(net, path)`` writes one. The packages
``nir`` and ``h5py`` are the optional extra ``nir`` (``pip install 'neurocompile[nir]'``); they
are imported only when a file is read or written. The neuron mapping is documented in
:mod:`neurocompile.nir.mapping`.
"""
from .files import NirFileError
from .read import NirImportWarning, population_name, read_nir
from .write import write_nir

__all__ = ["NirFileError", "NirImportWarning", "population_name", "read_nir", "write_nir"]
