/*
 * The headers' layouts, checked at compile time against what libdoor's Rust side uses
 * (crates/ostium-c/src/abi.rs); it only has to compile.
 */
#include <door.h>
#include <stddef.h>

#define LAYOUT(name, cond) typedef char name[(cond) ? 1 : -1]

LAYOUT(desc_size, sizeof(door_desc_t) == 24);
LAYOUT(desc_descriptor, offsetof(door_desc_t, d_data.d_desc.d_descriptor) == 4);
LAYOUT(desc_id, offsetof(door_desc_t, d_data.d_desc.d_id) == 8);
LAYOUT(info_size, sizeof(door_info_t) == 48);
LAYOUT(info_proc, offsetof(door_info_t, di_proc) == 4);
LAYOUT(info_attributes, offsetof(door_info_t, di_attributes) == 20);
LAYOUT(info_uniquifier, offsetof(door_info_t, di_uniquifier) == 24);
LAYOUT(arg_size, sizeof(door_arg_t) == 48);
LAYOUT(arg_rbuf, offsetof(door_arg_t, rbuf) == 32);
LAYOUT(uint_t_is_unsigned, sizeof(uint_t) == sizeof(unsigned int));

int main(void) { return 0; }
