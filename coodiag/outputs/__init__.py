"""Outputs of coodiag: static maps for the PDF atlas (:mod:`coodiag.outputs.maps`) and offline
interactive maps for the HTML atlas and the explorer (:mod:`coodiag.outputs.webmap`).

The submodules import their heavy dependencies (matplotlib, mapclassify, folium) lazily or on
import of the submodule only, so that ``import coodiag.outputs`` stays cheap.
"""
