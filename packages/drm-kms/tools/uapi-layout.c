/*
 * Prints the x86-64 layout of the DRM uapi structs and the ioctl request numbers fbemu's
 * drm-kms serves, as JSON, from the system's libdrm headers. Regenerate the golden file with
 *   cc -o /tmp/uapi-layout tools/uapi-layout.c -I/usr/include/libdrm && /tmp/uapi-layout > src/uapi-golden.json
 */
#include <stddef.h>
#include <stdio.h>
#include <drm.h>
#include <drm_mode.h>

static int first_struct = 1, first_field;

static void begin(const char *name, size_t size) {
  printf("%s\n    \"%s\": { \"sizeof\": %zu, \"fields\": {", first_struct ? "" : ",", name, size);
  first_struct = 0;
  first_field = 1;
}
static void field(const char *name, size_t off) {
  printf("%s \"%s\": %zu", first_field ? "" : ",", name, off);
  first_field = 0;
}
static void end(void) { printf(" } }"); }

#define S(t) begin(#t, sizeof(struct t))
#define F(t, f) field(#f, offsetof(struct t, f))

static int first_ioctl = 1;
static void ioctl_(const char *name, unsigned long nr) {
  printf("%s\n    \"%s\": %lu", first_ioctl ? "" : ",", name, nr);
  first_ioctl = 0;
}
#define I(n) ioctl_(#n, (unsigned long)(n))

int main(void) {
  printf("{\n  \"structs\": {");
  S(drm_version); F(drm_version, version_major); F(drm_version, version_minor); F(drm_version, version_patchlevel);
  F(drm_version, name_len); F(drm_version, name); F(drm_version, date_len); F(drm_version, date);
  F(drm_version, desc_len); F(drm_version, desc); end();
  S(drm_get_cap); F(drm_get_cap, capability); F(drm_get_cap, value); end();
  S(drm_set_client_cap); F(drm_set_client_cap, capability); F(drm_set_client_cap, value); end();
  S(drm_gem_close); F(drm_gem_close, handle); F(drm_gem_close, pad); end();
  S(drm_mode_card_res); F(drm_mode_card_res, fb_id_ptr); F(drm_mode_card_res, crtc_id_ptr);
  F(drm_mode_card_res, connector_id_ptr); F(drm_mode_card_res, encoder_id_ptr); F(drm_mode_card_res, count_fbs);
  F(drm_mode_card_res, count_crtcs); F(drm_mode_card_res, count_connectors); F(drm_mode_card_res, count_encoders);
  F(drm_mode_card_res, min_width); F(drm_mode_card_res, max_width); F(drm_mode_card_res, min_height);
  F(drm_mode_card_res, max_height); end();
  S(drm_mode_modeinfo); F(drm_mode_modeinfo, clock); F(drm_mode_modeinfo, hdisplay); F(drm_mode_modeinfo, hsync_start);
  F(drm_mode_modeinfo, hsync_end); F(drm_mode_modeinfo, htotal); F(drm_mode_modeinfo, hskew);
  F(drm_mode_modeinfo, vdisplay); F(drm_mode_modeinfo, vsync_start); F(drm_mode_modeinfo, vsync_end);
  F(drm_mode_modeinfo, vtotal); F(drm_mode_modeinfo, vscan); F(drm_mode_modeinfo, vrefresh);
  F(drm_mode_modeinfo, flags); F(drm_mode_modeinfo, type); F(drm_mode_modeinfo, name); end();
  S(drm_mode_get_connector); F(drm_mode_get_connector, encoders_ptr); F(drm_mode_get_connector, modes_ptr);
  F(drm_mode_get_connector, props_ptr); F(drm_mode_get_connector, prop_values_ptr);
  F(drm_mode_get_connector, count_modes); F(drm_mode_get_connector, count_props);
  F(drm_mode_get_connector, count_encoders); F(drm_mode_get_connector, encoder_id);
  F(drm_mode_get_connector, connector_id); F(drm_mode_get_connector, connector_type);
  F(drm_mode_get_connector, connector_type_id); F(drm_mode_get_connector, connection);
  F(drm_mode_get_connector, mm_width); F(drm_mode_get_connector, mm_height); F(drm_mode_get_connector, subpixel);
  F(drm_mode_get_connector, pad); end();
  S(drm_mode_get_encoder); F(drm_mode_get_encoder, encoder_id); F(drm_mode_get_encoder, encoder_type);
  F(drm_mode_get_encoder, crtc_id); F(drm_mode_get_encoder, possible_crtcs); F(drm_mode_get_encoder, possible_clones); end();
  S(drm_mode_crtc); F(drm_mode_crtc, set_connectors_ptr); F(drm_mode_crtc, count_connectors); F(drm_mode_crtc, crtc_id);
  F(drm_mode_crtc, fb_id); F(drm_mode_crtc, x); F(drm_mode_crtc, y); F(drm_mode_crtc, gamma_size);
  F(drm_mode_crtc, mode_valid); F(drm_mode_crtc, mode); end();
  S(drm_mode_get_plane_res); F(drm_mode_get_plane_res, plane_id_ptr); F(drm_mode_get_plane_res, count_planes); end();
  S(drm_mode_get_plane); F(drm_mode_get_plane, plane_id); F(drm_mode_get_plane, crtc_id); F(drm_mode_get_plane, fb_id);
  F(drm_mode_get_plane, possible_crtcs); F(drm_mode_get_plane, gamma_size); F(drm_mode_get_plane, count_format_types);
  F(drm_mode_get_plane, format_type_ptr); end();
  S(drm_mode_obj_get_properties); F(drm_mode_obj_get_properties, props_ptr); F(drm_mode_obj_get_properties, prop_values_ptr);
  F(drm_mode_obj_get_properties, count_props); F(drm_mode_obj_get_properties, obj_id); F(drm_mode_obj_get_properties, obj_type); end();
  S(drm_mode_obj_set_property); F(drm_mode_obj_set_property, value); F(drm_mode_obj_set_property, prop_id);
  F(drm_mode_obj_set_property, obj_id); F(drm_mode_obj_set_property, obj_type); end();
  S(drm_mode_connector_set_property); F(drm_mode_connector_set_property, value);
  F(drm_mode_connector_set_property, prop_id); F(drm_mode_connector_set_property, connector_id); end();
  S(drm_mode_get_property); F(drm_mode_get_property, values_ptr); F(drm_mode_get_property, enum_blob_ptr);
  F(drm_mode_get_property, prop_id); F(drm_mode_get_property, flags); F(drm_mode_get_property, name);
  F(drm_mode_get_property, count_values); F(drm_mode_get_property, count_enum_blobs); end();
  S(drm_mode_property_enum); F(drm_mode_property_enum, value); F(drm_mode_property_enum, name); end();
  S(drm_mode_get_blob); F(drm_mode_get_blob, blob_id); F(drm_mode_get_blob, length); F(drm_mode_get_blob, data); end();
  S(drm_mode_create_blob); F(drm_mode_create_blob, data); F(drm_mode_create_blob, length); F(drm_mode_create_blob, blob_id); end();
  S(drm_mode_destroy_blob); F(drm_mode_destroy_blob, blob_id); end();
  S(drm_mode_create_dumb); F(drm_mode_create_dumb, height); F(drm_mode_create_dumb, width); F(drm_mode_create_dumb, bpp);
  F(drm_mode_create_dumb, flags); F(drm_mode_create_dumb, handle); F(drm_mode_create_dumb, pitch); F(drm_mode_create_dumb, size); end();
  S(drm_mode_map_dumb); F(drm_mode_map_dumb, handle); F(drm_mode_map_dumb, pad); F(drm_mode_map_dumb, offset); end();
  S(drm_mode_destroy_dumb); F(drm_mode_destroy_dumb, handle); end();
  S(drm_mode_fb_cmd); F(drm_mode_fb_cmd, fb_id); F(drm_mode_fb_cmd, width); F(drm_mode_fb_cmd, height);
  F(drm_mode_fb_cmd, pitch); F(drm_mode_fb_cmd, bpp); F(drm_mode_fb_cmd, depth); F(drm_mode_fb_cmd, handle); end();
  S(drm_mode_fb_cmd2); F(drm_mode_fb_cmd2, fb_id); F(drm_mode_fb_cmd2, width); F(drm_mode_fb_cmd2, height);
  F(drm_mode_fb_cmd2, pixel_format); F(drm_mode_fb_cmd2, flags); F(drm_mode_fb_cmd2, handles);
  F(drm_mode_fb_cmd2, pitches); F(drm_mode_fb_cmd2, offsets); F(drm_mode_fb_cmd2, modifier); end();
  S(drm_mode_fb_dirty_cmd); F(drm_mode_fb_dirty_cmd, fb_id); F(drm_mode_fb_dirty_cmd, flags); F(drm_mode_fb_dirty_cmd, color);
  F(drm_mode_fb_dirty_cmd, num_clips); F(drm_mode_fb_dirty_cmd, clips_ptr); end();
  S(drm_clip_rect); F(drm_clip_rect, x1); F(drm_clip_rect, y1); F(drm_clip_rect, x2); F(drm_clip_rect, y2); end();
  S(drm_mode_crtc_page_flip_target); F(drm_mode_crtc_page_flip_target, crtc_id); F(drm_mode_crtc_page_flip_target, fb_id);
  F(drm_mode_crtc_page_flip_target, flags); F(drm_mode_crtc_page_flip_target, sequence);
  F(drm_mode_crtc_page_flip_target, user_data); end();
  S(drm_mode_cursor); F(drm_mode_cursor, flags); F(drm_mode_cursor, crtc_id); F(drm_mode_cursor, x); F(drm_mode_cursor, y);
  F(drm_mode_cursor, width); F(drm_mode_cursor, height); F(drm_mode_cursor, handle); end();
  S(drm_mode_cursor2); F(drm_mode_cursor2, flags); F(drm_mode_cursor2, crtc_id); F(drm_mode_cursor2, x); F(drm_mode_cursor2, y);
  F(drm_mode_cursor2, width); F(drm_mode_cursor2, height); F(drm_mode_cursor2, handle); F(drm_mode_cursor2, hot_x);
  F(drm_mode_cursor2, hot_y); end();
  S(drm_mode_crtc_lut); F(drm_mode_crtc_lut, crtc_id); F(drm_mode_crtc_lut, gamma_size); F(drm_mode_crtc_lut, red);
  F(drm_mode_crtc_lut, green); F(drm_mode_crtc_lut, blue); end();
  S(drm_event); F(drm_event, type); F(drm_event, length); end();
  S(drm_event_vblank); F(drm_event_vblank, base); F(drm_event_vblank, user_data); F(drm_event_vblank, tv_sec);
  F(drm_event_vblank, tv_usec); F(drm_event_vblank, sequence); F(drm_event_vblank, crtc_id); end();
  printf("\n  },\n  \"ioctls\": {");
  I(DRM_IOCTL_VERSION); I(DRM_IOCTL_GET_CAP); I(DRM_IOCTL_SET_CLIENT_CAP); I(DRM_IOCTL_SET_MASTER);
  I(DRM_IOCTL_DROP_MASTER); I(DRM_IOCTL_GEM_CLOSE); I(DRM_IOCTL_MODE_GETRESOURCES); I(DRM_IOCTL_MODE_GETCRTC);
  I(DRM_IOCTL_MODE_SETCRTC); I(DRM_IOCTL_MODE_CURSOR); I(DRM_IOCTL_MODE_GETENCODER); I(DRM_IOCTL_MODE_GETCONNECTOR);
  I(DRM_IOCTL_MODE_GETPROPERTY); I(DRM_IOCTL_MODE_SETPROPERTY); I(DRM_IOCTL_MODE_GETPROPBLOB); I(DRM_IOCTL_MODE_ADDFB);
  I(DRM_IOCTL_MODE_RMFB); I(DRM_IOCTL_MODE_PAGE_FLIP); I(DRM_IOCTL_MODE_DIRTYFB); I(DRM_IOCTL_MODE_CREATE_DUMB);
  I(DRM_IOCTL_MODE_MAP_DUMB); I(DRM_IOCTL_MODE_DESTROY_DUMB); I(DRM_IOCTL_MODE_GETPLANERESOURCES);
  I(DRM_IOCTL_MODE_GETPLANE); I(DRM_IOCTL_MODE_ADDFB2); I(DRM_IOCTL_MODE_OBJ_GETPROPERTIES);
  I(DRM_IOCTL_MODE_OBJ_SETPROPERTY); I(DRM_IOCTL_MODE_CURSOR2); I(DRM_IOCTL_MODE_ATOMIC);
  I(DRM_IOCTL_MODE_CREATEPROPBLOB); I(DRM_IOCTL_MODE_DESTROYPROPBLOB); I(DRM_IOCTL_MODE_GETFB2);
  I(DRM_IOCTL_MODE_GETFB); I(DRM_IOCTL_MODE_GETGAMMA); I(DRM_IOCTL_MODE_SETGAMMA);
  printf("\n  }\n}\n");
  return 0;
}
