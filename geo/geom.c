/*
 * geo/geom.c — see geom.h.
 */
#include "geom.h"

#include <gdal/cpl_error.h>
#include <stddef.h>

OGRSpatialReferenceH
geom_srs(const char *def)
{
	OGRSpatialReferenceH s = OSRNewSpatialReference(NULL);
	OGRErr		e;

	if (!s)
		return NULL;
	CPLPushErrorHandler(CPLQuietErrorHandler);	/* PROJ prints "crs not found"; callers say it */
	e = OSRSetFromUserInput(s, def);
	CPLPopErrorHandler();
	if (e != OGRERR_NONE)
	{
		OSRDestroySpatialReference(s);
		return NULL;
	}
	OSRSetAxisMappingStrategy(s, OAMS_TRADITIONAL_GIS_ORDER);
	return s;
}

OGRGeometryH
geom_polygonal_part(OGRGeometryH g)
{
	OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
	OGRGeometryH mp;

	if (t == wkbPolygon || t == wkbMultiPolygon)
		return OGR_G_Clone(g);
	if (t != wkbGeometryCollection)
		return NULL;
	if (!(mp = OGR_G_CreateGeometry(wkbMultiPolygon)))
		return NULL;
	for (int i = 0; i < OGR_G_GetGeometryCount(g); i++)
	{
		OGRGeometryH sub = OGR_G_GetGeometryRef(g, i);
		OGRwkbGeometryType st = wkbFlatten(OGR_G_GetGeometryType(sub));

		if (st == wkbPolygon)
			OGR_G_AddGeometry(mp, sub);
		else if (st == wkbMultiPolygon)
			for (int k = 0; k < OGR_G_GetGeometryCount(sub); k++)
				OGR_G_AddGeometry(mp, OGR_G_GetGeometryRef(sub, k));
	}
	if (OGR_G_GetGeometryCount(mp) == 0 || OGR_G_IsEmpty(mp))
	{
		OGR_G_DestroyGeometry(mp);
		return NULL;
	}
	return mp;
}
