# Reference values for PythonOpenSlideReferenceTests: Debian's python3-openslide (1.2.0 on OpenSlide 3.4.1) reading
# ihc_pyramid.tiff, a 512 x 384 pyramidal JPEG TIFF written by VPTSurv's PyramidalTiff.Write (see the test for how it is made).
# Run from this folder: /usr/bin/python3 openslide_reference.py > openslide_reference.json
import json
import numpy as np
import openslide

s = openslide.OpenSlide("ihc_pyramid.tiff")
regions = []
for x, y, level, size in [(0, 0, 0, 32), (300, 212, 0, 32), (96, 64, 1, 24), (500, 370, 0, 16)]:
    rgba = np.asarray(s.read_region((x, y), level, (size, size))).astype(np.int32)
    a = rgba[..., 3:4]
    # python-openslide un-premultiplies; composite over white as VPTSurv does.
    rgb = np.where(a == 255, rgba[..., :3], (rgba[..., :3] * a + 255 * (255 - a) + 127) // 255)
    regions.append({"x": x, "y": y, "level": level, "size": size, "rgb": rgb.reshape(-1).tolist()})
print(json.dumps({
    "openslide": openslide.__library_version__,
    "vendor": s.properties.get("openslide.vendor"),
    "mpp_x": float(s.properties["openslide.mpp-x"]),
    "mpp_y": float(s.properties["openslide.mpp-y"]),
    "level_dimensions": [list(d) for d in s.level_dimensions],
    "level_downsamples": list(s.level_downsamples),
    "regions": regions,
}))
