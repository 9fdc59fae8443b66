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
enum { K_INT = 0, K_STRING, K_BINARY, K_FLAG, K_NEST, K_CALL, K_LATE, K_STRUCT, K_PACKED };
/* Display hints of K_BINARY. */
enum { H_RAW = 0, H_MAC, H_ADDRESS };

/* An attribute of a set, or a member of a struct. */
typedef struct Entry {
    PyObject *name;   /* NULL: no attribute of this number */
    PyObject *other;  /* K_INT/K_PACKED: decoder of other widths; K_CALL/K_LATE: the decoder */
    PyObject *names;  /* K_INT: enum value -> name, or NULL */
    PyObject *flags;  /* K_INT: ((name, mask), ...) to name the bits by, or NULL */
    PyObject *child;  /* K_NEST: the nested set's Table; K_STRUCT: the Struct */
    int kind, multi, size, is_signed, swap, hint;
    Py_ssize_t offset; /* struct members: where in the struct */
} Entry;

typedef struct {
    PyObject_HEAD
    Py_ssize_t count; /* entries by attribute number, 0 .. count - 1 */
    Entry *entries;
} Table;

/* A C struct: members at fixed offsets, `size` bytes; shorter payloads go to `other`. */
typedef struct {
    PyObject_HEAD
    Py_ssize_t count, size;
    Entry *members;
    PyObject *other;
} Struct;

static PyObject *DecodeError;  /* genetlink.wire.errors.DecodeError */
static PyObject *StructError;  /* struct.error */
static PyTypeObject TableType, StructType;

/* -- Table ---------------------------------------------------------------------------------- */

static void entry_clear(Entry *e) {
    Py_CLEAR(e->name);
    Py_CLEAR(e->other);
    Py_CLEAR(e->names);
    Py_CLEAR(e->flags);
    Py_CLEAR(e->child);
}

static void entries_release(Entry **entries, Py_ssize_t *count) {
    if (*entries == NULL)
        return;
    for (Py_ssize_t i = 0; i < *count; i++)
        entry_clear(&(*entries)[i]);
    PyMem_Free(*entries);
    *entries = NULL;
    *count = 0;
}

static int entries_traverse(Entry *entries, Py_ssize_t count, visitproc visit, void *arg) {
    for (Py_ssize_t i = 0; entries != NULL && i < count; i++) {
        Py_VISIT(entries[i].other);
        Py_VISIT(entries[i].names);
        Py_VISIT(entries[i].flags);
        Py_VISIT(entries[i].child);
    }
    return 0;
}

static void table_release(Table *self) { entries_release(&self->entries, &self->count); }

static int table_traverse(Table *self, visitproc visit, void *arg) {
    return entries_traverse(self->entries, self->count, visit, arg);
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

static int is_flag_pairs(PyObject *flags) {
    if (!PyTuple_Check(flags))
        return 0;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(flags); i++) {
        PyObject *pair = PyTuple_GET_ITEM(flags, i);
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2 ||
            !PyLong_Check(PyTuple_GET_ITEM(pair, 1)))
            return 0;
        PyLong_AsUnsignedLongLong(PyTuple_GET_ITEM(pair, 1));
        if (PyErr_Occurred()) {
            PyErr_Clear();
            return 0;
        }
    }
    return 1;
}

/* One entry from (number, name, kind, multi, size, signed, swap, other, names, child, hint,
 * flags): None for the objects that a kind does not use; `number` is the attribute number,
 * or a struct member's offset (a member has its exact width, so needs no `other`). */
static int entry_parse(PyObject *item, long *number, Entry *e, int member) {
    PyObject *name, *other, *names, *child, *flags;
    int kind, multi, size, is_signed, swap, hint;
    if (!PyArg_ParseTuple(item, "lUiiiiiOOOiO", number, &name, &kind, &multi, &size,
                          &is_signed, &swap, &other, &names, &child, &hint, &flags))
        return -1;
    int fixed = kind == K_INT || kind == K_PACKED;
    if (kind < K_INT || kind > K_PACKED || size < 0 ||
        (fixed && size != 1 && size != 2 && size != 4 && size != 8)) {
        PyErr_SetString(PyExc_ValueError, "bad entry kind or size");
        return -1;
    }
    if ((kind == K_NEST && !PyObject_TypeCheck(child, &TableType)) ||
        (kind == K_STRUCT && !PyObject_TypeCheck(child, &StructType)) ||
        ((kind == K_CALL || kind == K_LATE || (fixed && !member)) && !PyCallable_Check(other)) ||
        (names != Py_None && !PyDict_Check(names)) ||
        (flags != Py_None && !is_flag_pairs(flags))) {
        PyErr_SetString(PyExc_TypeError, "entry objects of the wrong type");
        return -1;
    }
    entry_clear(e);
    e->name = Py_NewRef(name);
    e->other = other == Py_None ? NULL : Py_NewRef(other);
    e->names = names == Py_None ? NULL : Py_NewRef(names);
    e->flags = flags == Py_None ? NULL : Py_NewRef(flags);
    e->child = child == Py_None ? NULL : Py_NewRef(child);
    e->kind = kind;
    e->multi = multi;
    e->size = size;
    e->is_signed = is_signed;
    e->swap = swap;
    e->hint = hint;
    return 0;
}

/* Table.fill(entries): the attributes of the set (see entry_parse). */
static PyObject *table_fill(Table *self, PyObject *entries) {
    if (self->entries != NULL) { /* a walk may be using them: tables are filled once */
        PyErr_SetString(PyExc_RuntimeError, "the table is filled already");
        return NULL;
    }
    PyObject *seq = PySequence_Fast(entries, "entries must be a sequence");
    if (seq == NULL)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq), count = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
        long number = -1;
        if (PyTuple_Check(item) && PyTuple_GET_SIZE(item) > 0)
            number = PyLong_AsLong(PyTuple_GET_ITEM(item, 0));
        if (number < 0 || number > 0x3FFF) {
            if (!PyErr_Occurred())
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
        Entry e = {0};
        if (entry_parse(PySequence_Fast_GET_ITEM(seq, i), &number, &e, 0) < 0)
            goto fail;
        entry_clear(&self->entries[number]);
        self->entries[number] = e;
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

static void struct_release(Struct *self) {
    entries_release(&self->members, &self->count);
    Py_CLEAR(self->other);
}

static int struct_traverse(Struct *self, visitproc visit, void *arg) {
    Py_VISIT(self->other);
    return entries_traverse(self->members, self->count, visit, arg);
}

static int struct_clear(Struct *self) {
    struct_release(self);
    return 0;
}

static void struct_dealloc(Struct *self) {
    PyObject_GC_UnTrack(self);
    struct_release(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* Struct.fill(size, members, other): members as entries (see entry_parse) whose number is
 * the member's offset, of kinds K_INT, K_STRING, K_BINARY; `other` decodes shorter payloads. */
static PyObject *struct_fill(Struct *self, PyObject *args) {
    Py_ssize_t size;
    PyObject *members, *other;
    if (self->members != NULL || self->other != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "the struct is filled already");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "nOO", &size, &members, &other))
        return NULL;
    PyObject *seq = PySequence_Fast(members, "members must be a sequence");
    if (seq == NULL)
        return NULL;
    if (size < 0 || !PyCallable_Check(other)) {
        PyErr_SetString(PyExc_ValueError, "bad struct size or decoder");
        goto fail;
    }
    struct_release(self);
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    self->members = PyMem_Calloc(n ? n : 1, sizeof(Entry));
    if (self->members == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    self->count = n;
    self->size = size;
    self->other = Py_NewRef(other);
    for (Py_ssize_t i = 0; i < n; i++) {
        long offset;
        Entry *e = &self->members[i];
        if (entry_parse(PySequence_Fast_GET_ITEM(seq, i), &offset, e, 1) < 0)
            goto fail;
        e->offset = offset;
        /* every member lies inside the struct: decode checks the payload against `size` */
        if ((e->kind != K_INT && e->kind != K_STRING && e->kind != K_BINARY) || offset < 0 ||
            offset + e->size > size) {
            PyErr_SetString(PyExc_ValueError, "a struct member of the wrong kind or place");
            goto fail;
        }
    }
    Py_DECREF(seq);
    Py_RETURN_NONE;
fail:
    Py_DECREF(seq);
    return NULL;
}

static PyMethodDef struct_methods[] = {
    {"fill", (PyCFunction)struct_fill, METH_VARARGS, "Set size, members and decoder."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject StructType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "genetlink.codec._cwalk.Struct",
    .tp_doc = "A native decoder of one C struct.",
    .tp_basicsize = sizeof(Struct),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = PyType_GenericNew,
    .tp_dealloc = (destructor)struct_dealloc,
    .tp_traverse = (traverseproc)struct_traverse,
    .tp_clear = (inquiry)struct_clear,
    .tp_methods = struct_methods,
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

/* decode._flag_names: the names of the set bits in `flags` order, the rest as a number;
 * a value that is no int (a Mismatched) as it is. Steals `value`. */
static PyObject *flag_names(PyObject *flags, PyObject *value) {
    if (value == NULL || !PyLong_Check(value))
        return value;
    unsigned long long v = PyLong_AsUnsignedLongLong(value);
    Py_DECREF(value);
    if (PyErr_Occurred())
        return NULL;
    PyObject *out = PyList_New(0);
    for (Py_ssize_t i = 0; out != NULL && i < PyTuple_GET_SIZE(flags); i++) {
        PyObject *pair = PyTuple_GET_ITEM(flags, i);
        unsigned long long mask = PyLong_AsUnsignedLongLong(PyTuple_GET_ITEM(pair, 1));
        if (v & mask) {
            if (PyList_Append(out, PyTuple_GET_ITEM(pair, 0)) < 0)
                Py_CLEAR(out);
            v &= ~mask;
        }
    }
    if (out != NULL && v) {
        PyObject *rest = PyLong_FromUnsignedLongLong(v);
        if (rest == NULL || PyList_Append(out, rest) < 0)
            Py_CLEAR(out);
        Py_XDECREF(rest);
    }
    return out;
}

/* An integer's value as the entry shows it: a name, flag names, or the number. Steals. */
static PyObject *named(Entry *e, PyObject *value) {
    if (e->flags != NULL)
        return flag_names(e->flags, value);
    return enum_name(e->names, value);
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

/* A fixed-size value of a struct member, or of a string/binary attribute: buf[0:n]. */
static PyObject *bytes_value(Entry *e, const unsigned char *p, Py_ssize_t n) {
    if (e->kind == K_STRING)
        return string_value(p, n);
    if (e->hint == H_MAC)
        return mac_text(p, n);
    if (e->hint == H_ADDRESS)
        return address_text(p, n);
    return PyBytes_FromStringAndSize((const char *)p, n);
}

/* decode.Tables._build_struct's decoder: {member: value}; a payload shorter than the struct
 * goes to the Python decoder (a Mismatched for attributes, a DecodeError for headers). */
static PyObject *struct_value(Struct *st, PyObject *data, const unsigned char *buf,
                              Py_ssize_t start, Py_ssize_t end) {
    if (end - start < st->size)
        return call3(st->other, data, start, end);
    PyObject *out = PyDict_New();
    for (Py_ssize_t i = 0; out != NULL && i < st->count; i++) {
        Entry *m = &st->members[i];
        const unsigned char *p = buf + start + m->offset; /* offset + size <= st->size */
        PyObject *value = m->kind == K_INT
                              ? named(m, read_int(p, m->size, m->is_signed, m->swap))
                              : bytes_value(m, p, m->size);
        if (value == NULL || PyDict_SetItem(out, m->name, value) < 0)
            Py_CLEAR(out);
        Py_XDECREF(value);
    }
    return out;
}

/* decode._packed_array: a C array of one integer type; a length that is no multiple of
 * the item goes to the entry's other decoder. */
static PyObject *packed_value(Entry *e, PyObject *data, const unsigned char *buf,
                              Py_ssize_t start, Py_ssize_t end) {
    Py_ssize_t n = end - start;
    if (n % e->size)
        return call3(e->other, data, start, end);
    PyObject *out = PyList_New(n / e->size);
    for (Py_ssize_t i = 0; out != NULL && i < n / e->size; i++) {
        PyObject *item = read_int(buf + start + i * e->size, e->size, e->is_signed, e->swap);
        if (item == NULL)
            Py_CLEAR(out);
        else
            PyList_SET_ITEM(out, i, item);
    }
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
        return named(e, value);
    case K_STRING:
    case K_BINARY:
        return bytes_value(e, buf + start, n);
    case K_STRUCT:
        return struct_value((Struct *)e->child, data, buf, start, end);
    case K_PACKED:
        return packed_value(e, data, buf, start, end);
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
    (void)module;
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

/* lookup(table, data, start, end, number, missing): the value of the last attribute `number`
 * in data[start:end] (Decoded's lazy read: Attrs' index, then the entry's decoder), `missing`
 * when there is none; NotImplemented where the pure path must answer (data that is not bytes,
 * a span outside it, a number the table has no entry for). Like Attrs, the whole span is
 * checked first; errors of a decoder are not wrapped (the lazy path calls it directly). */
static PyObject *clookup(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    (void)module;
    if (nargs != 6 || !PyObject_TypeCheck(args[0], &TableType)) {
        PyErr_SetString(PyExc_TypeError, "lookup(table, data, start, end, number, missing)");
        return NULL;
    }
    Table *table = (Table *)args[0];
    if (!PyBytes_CheckExact(args[1]) || !PyLong_CheckExact(args[2]) ||
        !PyLong_CheckExact(args[3]) || !PyLong_CheckExact(args[4]))
        Py_RETURN_NOTIMPLEMENTED;
    Py_ssize_t start = PyLong_AsSsize_t(args[2]), end = PyLong_AsSsize_t(args[3]);
    Py_ssize_t number = PyLong_AsSsize_t(args[4]);
    if (PyErr_Occurred()) {
        PyErr_Clear();
        Py_RETURN_NOTIMPLEMENTED;
    }
    if (start < 0 || end < start || end > PyBytes_GET_SIZE(args[1]) || number < 0 ||
        number >= table->count || table->entries[number].name == NULL ||
        table->entries[number].kind == K_LATE)
        Py_RETURN_NOTIMPLEMENTED;
    const unsigned char *buf = (const unsigned char *)PyBytes_AS_STRING(args[1]);
    Py_ssize_t offset = start, found = -1, found_end = 0;
    while (end - offset >= 4) {
        uint16_t length, attr_type;
        memcpy(&length, buf + offset, 2);
        memcpy(&attr_type, buf + offset + 2, 2);
        if (length < 4 || offset + length > end) {
            bad_length(length, offset);
            return NULL;
        }
        if ((attr_type & 0x3FFF) == number) {
            found = offset + 4;
            found_end = offset + length;
        }
        offset = (offset + length + 3) & ~(Py_ssize_t)3;
    }
    if (found < 0)
        return Py_NewRef(args[5]);
    return entry_value(&table->entries[number], args[1], buf, found, found_end);
}

/* decode_struct(struct, data, start, end): a fixed header; the struct's Python decoder answers
 * for data that is not bytes or a span outside it. */
static PyObject *cdecode_struct(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    (void)module;
    if (nargs != 4 || !PyObject_TypeCheck(args[0], &StructType)) {
        PyErr_SetString(PyExc_TypeError, "decode_struct(struct, data, start, end)");
        return NULL;
    }
    Struct *st = (Struct *)args[0];
    if (PyBytes_CheckExact(args[1]) && PyLong_CheckExact(args[2]) && PyLong_CheckExact(args[3])) {
        Py_ssize_t start = PyLong_AsSsize_t(args[2]), end = PyLong_AsSsize_t(args[3]);
        if (start >= 0 && end >= start && end <= PyBytes_GET_SIZE(args[1]))
            return struct_value(st, args[1], (const unsigned char *)PyBytes_AS_STRING(args[1]),
                                start, end);
        PyErr_Clear();
    }
    return PyObject_Vectorcall(st->other, args + 1, 3, NULL);
}

static PyMethodDef module_methods[] = {
    {"lookup", (PyCFunction)(void (*)(void))clookup, METH_FASTCALL,
     "lookup(table, data, start, end, number, missing): one attribute's value."},
    {"decode_struct", (PyCFunction)(void (*)(void))cdecode_struct, METH_FASTCALL,
     "decode_struct(struct, data, start, end): a C struct's members."},
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
    if (DecodeError == NULL || StructError == NULL || PyType_Ready(&TableType) < 0 ||
        PyType_Ready(&StructType) < 0)
        goto done;
    m = PyModule_Create(&module_def);
    if (m != NULL && (PyModule_AddObjectRef(m, "Table", (PyObject *)&TableType) < 0 ||
                      PyModule_AddObjectRef(m, "Struct", (PyObject *)&StructType) < 0))
        Py_CLEAR(m);
done:
    Py_XDECREF(errors);
    Py_XDECREF(structmod);
    return m;
}
