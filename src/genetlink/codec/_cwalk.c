/* The compiled twin of genetlink.codec.decode.walk_set: one attribute set's TLV walk with a
 * native decode table (see native.py, which builds the tables and is the only caller).
 *
 * It reads bytes from other processes and the kernel, so every length is checked against the
 * span before a read, and the span against the buffer before the walk. What it does not decode
 * itself (structs, flag names, bitfields, sub-messages, wrong widths, ...) it hands to the same
 * Python decoder the pure path calls, so both paths give the same values and the same
 * DecodeError for the same bytes.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

/* Entry kinds: keep in step with native.py. */
enum { K_INT = 0, K_STRING, K_BINARY, K_FLAG, K_NEST, K_CALL, K_LATE };
/* Display hints of K_BINARY. */
enum { H_RAW = 0, H_MAC, H_ADDRESS };

typedef struct Entry {
    PyObject *name;   /* NULL: no attribute of this number */
    PyObject *other;  /* K_INT: decoder of other widths; K_CALL/K_LATE: the decoder */
    PyObject *names;  /* K_INT: enum value -> name, or NULL */
    PyObject *child;  /* K_NEST: the nested set's Table */
    int kind, multi, size, is_signed, swap, hint;
} Entry;

typedef struct {
    PyObject_HEAD
    Py_ssize_t count; /* entries by attribute number, 0 .. count - 1 */
    Entry *entries;
} Table;

static PyObject *DecodeError;  /* genetlink.wire.errors.DecodeError */
static PyObject *StructError;  /* struct.error */
static PyTypeObject TableType;

/* -- Table ---------------------------------------------------------------------------------- */

static void table_release(Table *self) {
    if (self->entries == NULL)
        return;
    for (Py_ssize_t i = 0; i < self->count; i++) {
        Entry *e = &self->entries[i];
        Py_CLEAR(e->name);
        Py_CLEAR(e->other);
        Py_CLEAR(e->names);
        Py_CLEAR(e->child);
    }
    PyMem_Free(self->entries);
    self->entries = NULL;
    self->count = 0;
}

static int table_traverse(Table *self, visitproc visit, void *arg) {
    for (Py_ssize_t i = 0; i < self->count; i++) {
        Entry *e = &self->entries[i];
        Py_VISIT(e->other);
        Py_VISIT(e->names);
        Py_VISIT(e->child);
    }
    return 0;
}

static int table_clear(Table *self) {
    table_release(self);
    return 0;
}

static void table_dealloc(Table *self) {
    PyObject_GC_UnTrack(self);
    table_release(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* Table.fill(entries): each entry (number, name, kind, multi, size, signed, swap, other,
 * names, child, hint); None for the objects that a kind does not use. */
static PyObject *table_fill(Table *self, PyObject *entries) {
    PyObject *seq = PySequence_Fast(entries, "entries must be a sequence");
    if (seq == NULL)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq), count = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        long number;
        PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
        if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 11) {
            PyErr_SetString(PyExc_TypeError, "an entry is a tuple of 11");
            goto fail;
        }
        number = PyLong_AsLong(PyTuple_GET_ITEM(item, 0));
        if (number == -1 && PyErr_Occurred())
            goto fail;
        if (number < 0 || number > 0x3FFF) {
            PyErr_SetString(PyExc_ValueError, "attribute number out of range");
            goto fail;
        }
        if (number + 1 > count)
            count = number + 1;
    }
    table_release(self);
    self->entries = PyMem_Calloc(count ? count : 1, sizeof(Entry));
    if (self->entries == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    self->count = count;
    for (Py_ssize_t i = 0; i < n; i++) {
        long number;
        PyObject *name, *other, *names, *child;
        int kind, multi, size, is_signed, swap, hint;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(seq, i), "lUiiiiiOOOi", &number, &name,
                              &kind, &multi, &size, &is_signed, &swap, &other, &names, &child,
                              &hint))
            goto fail;
        if (kind < K_INT || kind > K_LATE || (kind == K_INT && size != 1 && size != 2 &&
                                             size != 4 && size != 8)) {
            PyErr_SetString(PyExc_ValueError, "bad entry kind or size");
            goto fail;
        }
        if ((kind == K_NEST && !PyObject_TypeCheck(child, &TableType)) ||
            ((kind == K_CALL || kind == K_LATE || kind == K_INT) && !PyCallable_Check(other)) ||
            (names != Py_None && !PyDict_Check(names))) {
            PyErr_SetString(PyExc_TypeError, "entry objects of the wrong type");
            goto fail;
        }
        Entry *e = &self->entries[number];
        Py_CLEAR(e->name);
        Py_CLEAR(e->other);
        Py_CLEAR(e->names);
        Py_CLEAR(e->child);
        e->name = Py_NewRef(name);
        e->other = other == Py_None ? NULL : Py_NewRef(other);
        e->names = names == Py_None ? NULL : Py_NewRef(names);
        e->child = child == Py_None ? NULL : Py_NewRef(child);
        e->kind = kind;
        e->multi = multi;
        e->size = size;
        e->is_signed = is_signed;
        e->swap = swap;
        e->hint = hint;
    }
    Py_DECREF(seq);
    Py_RETURN_NONE;
fail:
    Py_DECREF(seq);
    return NULL;
}

static PyMethodDef table_methods[] = {
    {"fill", (PyCFunction)table_fill, METH_O, "Set the entries (see native.py)."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject TableType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "genetlink.codec._cwalk.Table",
    .tp_doc = "A native decode table of one attribute set.",
    .tp_basicsize = sizeof(Table),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = PyType_GenericNew,
    .tp_dealloc = (destructor)table_dealloc,
    .tp_traverse = (traverseproc)table_traverse,
    .tp_clear = (inquiry)table_clear,
    .tp_methods = table_methods,
};

/* -- values --------------------------------------------------------------------------------- */

/* A fixed-width integer at p (the caller checked that `size` bytes are there). */
static PyObject *read_int(const unsigned char *p, int size, int is_signed, int swap) {
    uint64_t v = 0;
    switch (size) {
    case 1:
        return is_signed ? PyLong_FromLong((int8_t)p[0]) : PyLong_FromLong(p[0]);
    case 2: {
        uint16_t x;
        memcpy(&x, p, 2);
        if (swap)
            x = __builtin_bswap16(x);
        return is_signed ? PyLong_FromLong((int16_t)x) : PyLong_FromLong(x);
    }
    case 4: {
        uint32_t x;
        memcpy(&x, p, 4);
        if (swap)
            x = __builtin_bswap32(x);
        return is_signed ? PyLong_FromLong((int32_t)x) : PyLong_FromUnsignedLong(x);
    }
    default:
        memcpy(&v, p, 8);
        if (swap)
            v = __builtin_bswap64(v);
        return is_signed ? PyLong_FromLongLong((int64_t)v) : PyLong_FromUnsignedLongLong(v);
    }
}

/* names.get(value, value), stealing `value`. */
static PyObject *enum_name(PyObject *names, PyObject *value) {
    if (names == NULL || value == NULL)
        return value;
    PyObject *name = PyDict_GetItemWithError(names, value);
    if (name == NULL) {
        if (PyErr_Occurred()) {
            Py_DECREF(value);
            return NULL;
        }
        return value;
    }
    Py_DECREF(value);
    return Py_NewRef(name);
}

/* bytes.hex(":") */
static PyObject *mac_text(const unsigned char *p, Py_ssize_t n) {
    static const char digits[] = "0123456789abcdef";
    if (n == 0)
        return PyUnicode_FromStringAndSize("", 0);
    PyObject *out = PyUnicode_New(n * 3 - 1, 127);
    if (out == NULL)
        return NULL;
    Py_UCS1 *w = PyUnicode_1BYTE_DATA(out);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (i)
            *w++ = ':';
        *w++ = digits[p[i] >> 4];
        *w++ = digits[p[i] & 15];
    }
    return out;
}

/* An address by its length (4: IPv4, 16: IPv6), other lengths the bytes (decode._address). */
static PyObject *address_text(const unsigned char *p, Py_ssize_t n) {
    char text[INET6_ADDRSTRLEN];
    int family = n == 4 ? AF_INET : n == 16 ? AF_INET6 : 0;
    if (family == 0)
        return PyBytes_FromStringAndSize((const char *)p, n);
    if (inet_ntop(family, p, text, sizeof text) == NULL)
        return PyErr_SetFromErrno(PyExc_OSError);
    return PyUnicode_FromString(text);
}

/* codecs.decode_string: up to the first NUL, undecodable bytes as surrogate escapes. */
static PyObject *string_value(const unsigned char *p, Py_ssize_t n) {
    const unsigned char *nul = memchr(p, 0, (size_t)n);
    if (nul != NULL)
        n = nul - p;
    return PyUnicode_DecodeUTF8((const char *)p, n, "surrogateescape");
}

static PyObject *call3(PyObject *f, PyObject *data, Py_ssize_t start, Py_ssize_t end) {
    PyObject *s = PyLong_FromSsize_t(start), *e = PyLong_FromSsize_t(end), *out = NULL;
    if (s != NULL && e != NULL) {
        PyObject *args[3] = {data, s, e};
        out = PyObject_Vectorcall(f, args, 3, NULL);
    }
    Py_XDECREF(s);
    Py_XDECREF(e);
    return out;
}

/* walk_set's `except`: struct.error, IndexError and ValueError (not a DecodeError) raised by
 * a decoder become DecodeError("malformed attribute: ...", offset). */
static void wrap_error(Py_ssize_t offset) {
    if (!PyErr_Occurred() || PyErr_ExceptionMatches(DecodeError) ||
        !(PyErr_ExceptionMatches(StructError) || PyErr_ExceptionMatches(PyExc_IndexError) ||
          PyErr_ExceptionMatches(PyExc_ValueError)))
        return;
#if PY_VERSION_HEX >= 0x030C0000
    PyObject *exc = PyErr_GetRaisedException();
#else
    PyObject *type, *exc, *tb;
    PyErr_Fetch(&type, &exc, &tb);
    PyErr_NormalizeException(&type, &exc, &tb);
    if (tb != NULL)
        PyException_SetTraceback(exc, tb);
    Py_XDECREF(type);
    Py_XDECREF(tb);
#endif
    PyObject *text = PyObject_Str(exc);
    PyObject *err = NULL;
    if (text != NULL) {
        PyObject *reason = PyUnicode_FromFormat("malformed attribute: %U", text);
        if (reason != NULL) {
            err = PyObject_CallFunction(DecodeError, "On", reason, offset);
            Py_DECREF(reason);
        }
        Py_DECREF(text);
    }
    if (err == NULL) {
        Py_DECREF(exc);
        return;
    }
    PyException_SetContext(err, exc); /* `from None`: context kept, suppressed */
    ((PyBaseExceptionObject *)err)->suppress_context = 1;
    PyErr_SetObject((PyObject *)Py_TYPE(err), err);
    Py_DECREF(err);
}

/* -- the walk ------------------------------------------------------------------------------- */

static PyObject *walk(Table *table, PyObject *data, const unsigned char *buf, Py_ssize_t start,
                      Py_ssize_t end);

/* The value of one known attribute with payload buf[start:end]. */
static PyObject *entry_value(Entry *e, PyObject *data, const unsigned char *buf,
                             Py_ssize_t start, Py_ssize_t end) {
    Py_ssize_t n = end - start;
    PyObject *value;
    switch (e->kind) {
    case K_INT:
        if (n == e->size)
            value = read_int(buf + start, e->size, e->is_signed, e->swap);
        else
            value = call3(e->other, data, start, end);
        return enum_name(e->names, value);
    case K_STRING:
        return string_value(buf + start, n);
    case K_BINARY:
        if (e->hint == H_MAC)
            return mac_text(buf + start, n);
        if (e->hint == H_ADDRESS)
            return address_text(buf + start, n);
        return PyBytes_FromStringAndSize((const char *)buf + start, n);
    case K_FLAG:
        Py_RETURN_TRUE;
    case K_NEST:
        /* Two levels of Python's recursion count per nest, as decode_nest + walk_set take. */
        if (Py_EnterRecursiveCall(" while decoding nested attributes"))
            return NULL;
        if (Py_EnterRecursiveCall(" while decoding nested attributes")) {
            Py_LeaveRecursiveCall();
            return NULL;
        }
        value = walk((Table *)e->child, data, buf, start, end);
        Py_LeaveRecursiveCall();
        Py_LeaveRecursiveCall();
        return value;
    default: /* K_CALL */
        return call3(e->other, data, start, end);
    }
}

static int bad_length(unsigned int length, Py_ssize_t offset) {
    PyObject *err = PyObject_CallFunction(DecodeError, "(Nn)",
                                          PyUnicode_FromFormat("bad attribute length %u", length),
                                          offset);
    if (err != NULL) {
        PyErr_SetObject((PyObject *)Py_TYPE(err), err);
        Py_DECREF(err);
    }
    return -1;
}

static int store(PyObject *out, Entry *e, PyObject *value) {
    int rc;
    if (!e->multi) {
        rc = PyDict_SetItem(out, e->name, value);
        Py_DECREF(value);
        return rc;
    }
    PyObject *existing = PyDict_GetItemWithError(out, e->name);
    if (existing == NULL) {
        if (PyErr_Occurred()) {
            Py_DECREF(value);
            return -1;
        }
        PyObject *list = PyList_New(1);
        if (list == NULL) {
            Py_DECREF(value);
            return -1;
        }
        PyList_SET_ITEM(list, 0, value);
        rc = PyDict_SetItem(out, e->name, list);
        Py_DECREF(list);
        return rc;
    }
    if (PyList_CheckExact(existing))
        rc = PyList_Append(existing, value);
    else {
        PyObject *r = PyObject_CallMethod(existing, "append", "O", value);
        rc = r == NULL ? -1 : 0;
        Py_XDECREF(r);
    }
    Py_DECREF(value);
    return rc;
}

static PyObject *walk(Table *table, PyObject *data, const unsigned char *buf, Py_ssize_t start,
                      Py_ssize_t end) {
    PyObject *out = PyDict_New(), *late = NULL;
    Py_ssize_t offset = start;
    if (out == NULL)
        return NULL;
    while (end - offset >= 4) {
        uint16_t length, attr_type;
        memcpy(&length, buf + offset, 2);
        memcpy(&attr_type, buf + offset + 2, 2);
        Py_ssize_t stop = offset + length;
        if (length < 4 || stop > end) {
            bad_length(length, offset);
            goto fail;
        }
        unsigned int number = attr_type & 0x3FFF;
        Entry *e = number < (size_t)table->count ? &table->entries[number] : NULL;
        if (e == NULL || e->name == NULL) { /* unknown: kept by number */
            PyObject *key = PyLong_FromLong(number);
            PyObject *raw = PyBytes_FromStringAndSize((const char *)buf + offset + 4, length - 4);
            int rc = key && raw ? PyDict_SetItem(out, key, raw) : -1;
            Py_XDECREF(key);
            Py_XDECREF(raw);
            if (rc < 0)
                goto fail;
        } else if (e->kind == K_LATE) {
            PyObject *item = Py_BuildValue("(OnnO)", e->name, offset + 4, stop, e->other);
            if (item == NULL)
                goto fail;
            if (late == NULL && (late = PyList_New(0)) == NULL) {
                Py_DECREF(item);
                goto fail;
            }
            int rc = PyList_Append(late, item);
            Py_DECREF(item);
            if (rc < 0)
                goto fail;
        } else {
            PyObject *value = entry_value(e, data, buf, offset + 4, stop);
            if (value == NULL) {
                wrap_error(offset);
                goto fail;
            }
            if (store(out, e, value) < 0)
                goto fail;
        }
        offset = (stop + 3) & ~(Py_ssize_t)3;
    }
    if (late != NULL) { /* sub-messages, which may need their siblings */
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(late); i++) {
            PyObject *item = PyList_GET_ITEM(late, i);
            PyObject *args[5] = {data, PyTuple_GET_ITEM(item, 1), PyTuple_GET_ITEM(item, 2), out};
            PyObject *value = PyObject_Vectorcall(PyTuple_GET_ITEM(item, 3), args, 4, NULL);
            if (value == NULL)
                goto fail;
            int rc = PyDict_SetItem(out, PyTuple_GET_ITEM(item, 0), value);
            Py_DECREF(value);
            if (rc < 0)
                goto fail;
        }
        Py_DECREF(late);
    }
    return out;
fail:
    Py_XDECREF(late);
    Py_DECREF(out);
    return NULL;
}

/* walk(table, data, start, end) -> dict, or None when the pure path must answer: data that
 * is not bytes, or a span outside it (the pure path's errors for those are its own). */
static PyObject *cwalk(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 4 || !PyObject_TypeCheck(args[0], &TableType)) {
        PyErr_SetString(PyExc_TypeError, "walk(table, data, start, end)");
        return NULL;
    }
    if (!PyBytes_CheckExact(args[1]) || !PyLong_CheckExact(args[2]) ||
        !PyLong_CheckExact(args[3]))
        Py_RETURN_NONE;
    Py_ssize_t start = PyLong_AsSsize_t(args[2]), end = PyLong_AsSsize_t(args[3]);
    if ((start == -1 || end == -1) && PyErr_Occurred()) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    if (start < 0 || end < start || end > PyBytes_GET_SIZE(args[1]))
        Py_RETURN_NONE;
    return walk((Table *)args[0], args[1], (const unsigned char *)PyBytes_AS_STRING(args[1]),
                start, end);
}

static PyMethodDef module_methods[] = {
    {"walk", (PyCFunction)(void (*)(void))cwalk, METH_FASTCALL,
     "walk(table, data, start, end): the attributes of data[start:end] decoded with table, "
     "or None where the pure path must decode."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "genetlink.codec._cwalk",
    "A compiled attribute walk for genetlink's codec (see native.py).", -1, module_methods,
};

PyMODINIT_FUNC PyInit__cwalk(void) {
    PyObject *errors = PyImport_ImportModule("genetlink.wire.errors");
    PyObject *structmod = PyImport_ImportModule("struct");
    PyObject *m = NULL;
    if (errors == NULL || structmod == NULL)
        goto done;
    DecodeError = PyObject_GetAttrString(errors, "DecodeError");
    StructError = PyObject_GetAttrString(structmod, "error");
    if (DecodeError == NULL || StructError == NULL || PyType_Ready(&TableType) < 0)
        goto done;
    m = PyModule_Create(&module_def);
    if (m != NULL && PyModule_AddObjectRef(m, "Table", (PyObject *)&TableType) < 0)
        Py_CLEAR(m);
done:
    Py_XDECREF(errors);
    Py_XDECREF(structmod);
    return m;
}
