/* host_names: the names of trainsim's hosts in a SimGrid platform.
 *
 * The generated platform (platform_xml.h) and a hand-written one
 * (platform_file.h) name the GPUs alike, gpu-0 ... gpu-<N-1>, so that the
 * simulation finds its hosts by name in either. */
#ifndef TRAINSIM_HOST_NAMES_H
#define TRAINSIM_HOST_NAMES_H

/* Host name of a GPU in the platform: "gpu-<index>". */
void platform_host_name(int gpu, char* buf, int size);

/* Host name of the storage system in generated platforms. */
#define PLATFORM_STORAGE_HOST "storage"

#endif
