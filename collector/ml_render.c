/* ml_render.c -- being written */
