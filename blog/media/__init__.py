"""The media library: uploaded images, their renditions, and where they are stored.

``models`` holds the ``Image`` model, ``images`` checks an upload and makes its renditions,
``markup`` writes ``<picture>`` elements for library images in post bodies and covers.
"""
