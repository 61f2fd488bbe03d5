/*
 * JNI bridge from org.nifitransfer.core.image.NativeJpeg to the libjpeg API of libjpeg-turbo (the copy inside
 * libleptonica.so.6 of org.bytedeco:leptonica, linked at run time; see build-native.sh).
 * One call decodes one JPEG held in memory into 8-bit RGB. Errors never leave the library
 * through exit(): error_exit jumps back here; warnings are counted and the first kept, not printed.
 */
#include <jni.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

/* info[] slots, shared with NativeJpeg.java */
#define INFO_STATUS 0
#define INFO_WIDTH 1
#define INFO_HEIGHT 2
#define INFO_COMPONENTS 3
#define INFO_WARNINGS 4
#define INFO_LENGTH 5

/* statuses */
#define STATUS_OK 0
#define STATUS_ERROR 1         /* the library stopped: message says why */
#define STATUS_TOO_LARGE 2     /* more output pixels than allowed */
#define STATUS_UNSUPPORTED 3   /* a colour space or layout this bridge leaves to the caller */
#define STATUS_NO_MEMORY 4

struct bridge_error {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char first_warning[JMSG_LENGTH_MAX];
    char error[JMSG_LENGTH_MAX];
};

static void bridge_error_exit(j_common_ptr cinfo) {
    struct bridge_error *err = (struct bridge_error *) cinfo->err;
    (*cinfo->err->format_message)(cinfo, err->error);
    longjmp(err->jump, 1);
}

static void bridge_emit_message(j_common_ptr cinfo, int level) {
    struct bridge_error *err = (struct bridge_error *) cinfo->err;
    if (level < 0) {
        if (err->pub.num_warnings == 0) {
            (*cinfo->err->format_message)(cinfo, err->first_warning);
        }
        err->pub.num_warnings++;
    }
}

static void bridge_output_message(j_common_ptr cinfo) {
    (void) cinfo;
}

JNIEXPORT jbyteArray JNICALL Java_org_nifitransfer_core_image_NativeJpeg_decode(JNIEnv *env, jclass type, jbyteArray input,
        jint length, jint scale, jlong max_pixels, jintArray info_array, jobjectArray message) {
    jint info[INFO_LENGTH] = {STATUS_ERROR, 0, 0, 0, 0};
    struct jpeg_decompress_struct cinfo;
    struct bridge_error err;
    unsigned char *volatile source = NULL;
    unsigned char *volatile pixels = NULL;
    jbyteArray volatile result = NULL;
    JSAMPARRAY volatile rows = NULL;

    (void) type;
    memset(&cinfo, 0, sizeof(cinfo));
    memset(&err, 0, sizeof(err));
    cinfo.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = bridge_error_exit;
    err.pub.emit_message = bridge_emit_message;
    err.pub.output_message = bridge_output_message;
    if (setjmp(err.jump)) {
        info[INFO_STATUS] = STATUS_ERROR;
        jpeg_destroy_decompress(&cinfo);
        goto done;
    }
    jpeg_create_decompress(&cinfo);
    source = malloc(length > 0 ? (size_t) length : 1);
    if (source == NULL) {
        info[INFO_STATUS] = STATUS_NO_MEMORY;
        jpeg_destroy_decompress(&cinfo);
        goto done;
    }
    (*env)->GetByteArrayRegion(env, input, 0, length, (jbyte *) source);
    jpeg_mem_src(&cinfo, source, (unsigned long) length);
    jpeg_read_header(&cinfo, TRUE);
    info[INFO_COMPONENTS] = cinfo.num_components;
    if (!((cinfo.num_components == 3 && (cinfo.jpeg_color_space == JCS_YCbCr || cinfo.jpeg_color_space == JCS_RGB))
            || (cinfo.num_components == 1 && cinfo.jpeg_color_space == JCS_GRAYSCALE))) {
        info[INFO_STATUS] = STATUS_UNSUPPORTED;
        jpeg_destroy_decompress(&cinfo);
        goto done;
    }
    cinfo.out_color_space = JCS_RGB;
    cinfo.scale_num = 1;
    cinfo.scale_denom = (unsigned int) scale;
    jpeg_calc_output_dimensions(&cinfo);
    info[INFO_WIDTH] = (jint) cinfo.output_width;
    info[INFO_HEIGHT] = (jint) cinfo.output_height;
    if ((jlong) cinfo.output_width * (jlong) cinfo.output_height > max_pixels) {
        info[INFO_STATUS] = STATUS_TOO_LARGE;
        jpeg_destroy_decompress(&cinfo);
        goto done;
    }
    jpeg_start_decompress(&cinfo);
    {
        const size_t row = (size_t) cinfo.output_width * 3;
        pixels = malloc(row * cinfo.output_height);
        if (pixels == NULL) {
            info[INFO_STATUS] = STATUS_NO_MEMORY;
            jpeg_destroy_decompress(&cinfo);
            goto done;
        }
        rows = malloc(sizeof(JSAMPROW) * cinfo.output_height);
        if (rows == NULL) {
            info[INFO_STATUS] = STATUS_NO_MEMORY;
            jpeg_destroy_decompress(&cinfo);
            goto done;
        }
        for (JDIMENSION y = 0; y < cinfo.output_height; y++) {
            rows[y] = pixels + row * y;
        }
        while (cinfo.output_scanline < cinfo.output_height) {
            if (jpeg_read_scanlines(&cinfo, rows + cinfo.output_scanline, cinfo.output_height - cinfo.output_scanline) == 0) {
                strcpy(err.error, "no scanline returned");
                info[INFO_STATUS] = STATUS_ERROR;
                jpeg_destroy_decompress(&cinfo);
                goto done;
            }
        }
        info[INFO_WARNINGS] = (jint) err.pub.num_warnings;
        jpeg_finish_decompress(&cinfo);
        info[INFO_WARNINGS] = (jint) err.pub.num_warnings;
        jpeg_destroy_decompress(&cinfo);
        result = (*env)->NewByteArray(env, (jsize) (row * info[INFO_HEIGHT]));
        if (result != NULL) {
            (*env)->SetByteArrayRegion(env, result, 0, (jsize) (row * info[INFO_HEIGHT]), (const jbyte *) pixels);
            info[INFO_STATUS] = STATUS_OK;
        } else {
            info[INFO_STATUS] = STATUS_NO_MEMORY;
        }
    }
done:
    free(source);
    free(pixels);
    free(rows);
    if (info[INFO_STATUS] == STATUS_ERROR || info[INFO_WARNINGS] > 0) {
        jstring text = (*env)->NewStringUTF(env, info[INFO_STATUS] == STATUS_ERROR ? err.error : err.first_warning);
        if (text != NULL) {
            (*env)->SetObjectArrayElement(env, message, 0, text);
        }
    }
    (*env)->SetIntArrayRegion(env, info_array, 0, INFO_LENGTH, info);
    return info[INFO_STATUS] == STATUS_OK ? result : NULL;
}
