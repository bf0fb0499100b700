/*
 * geo/geom.h — small OGR helpers shared by the modules that read polygon layers (areas,
 * the CBS imports) and the browser map.
 */
#ifndef VSP_GEO_GEOM_H
#define VSP_GEO_GEOM_H

#include <gdal/ogr_api.h>
#include <gdal/ogr_srs_api.h>

/* A CRS from anything OSRSetFromUserInput takes ("EPSG:28992", WKT, PROJ string), with
 * x = easting/longitude and y = northing/latitude whatever the CRS's official axis order.
 * NULL when it is not a CRS (nothing printed: the caller reports it).  The caller destroys
 * it with OSRDestroySpatialReference. */
OGRSpatialReferenceH geom_srs(const char *def);

/* The polygonal part of g as a new geometry: a copy of a Polygon or MultiPolygon, the
 * polygons of a GeometryCollection (as GEOS MakeValid may return) as a MultiPolygon; NULL
 * when there is none.  g stays the caller's. */
OGRGeometryH geom_polygonal_part(OGRGeometryH g);

#endif
