// scoreopt._core: the Python face of the C++ core. No algorithm lives here: it checks buffers,
// releases the GIL and forwards raw pointers. Shape and dtype conversion policy is in Python.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>

#include "scoreopt/backends.hpp"
#include "scoreopt/problem.hpp"
#include "scoreopt/registry.hpp"

namespace py = pybind11;
using scoreopt::Problem;

namespace {

// Address of the last X buffer a call on this thread read from: lets the tests prove that a
// contiguous input reaches the core without a copy.
thread_local std::uintptr_t g_last_input = 0;

void require(bool ok, const std::string& msg) {
  if (!ok) throw std::invalid_argument(msg);
}

struct Buffer {
  void* ptr;
  std::int64_t rows;
  std::int64_t cols;
  char kind;  // 'f' float32, 'd' float64
};

Buffer view(const py::array& a, const char* name, int ndim, bool writable) {
  require(a.ndim() == ndim, std::string(name) + ": expected a " + std::to_string(ndim) +
                                "-D array, got " + std::to_string(a.ndim()) + "-D");
  require((a.flags() & py::array::c_style) != 0, std::string(name) + ": must be C-contiguous");
  char kind;
  if (a.dtype().is(py::dtype::of<float>()))
    kind = 'f';
  else if (a.dtype().is(py::dtype::of<double>()))
    kind = 'd';
  else
    throw std::invalid_argument(std::string(name) + ": expected float32 or float64, got " +
                                std::string(py::str(a.dtype())));
  require(!writable || a.writeable(), std::string(name) + ": must be writable");
  void* ptr = const_cast<void*>(a.data());
  const std::int64_t rows = a.shape(0);
  const std::int64_t cols = ndim == 2 ? a.shape(1) : 1;
  return {ptr, rows, cols, kind};
}

void evaluate(const Problem& p, const py::array& X, const py::object& params, py::array& out,
              const py::object& grad) {
  Buffer x = view(X, "X", 2, false);
  require(x.cols == p.dim(), "X: expected " + std::to_string(p.dim()) + " columns, got " +
                                 std::to_string(x.cols));
  Buffer f = view(out, "out", 1, true);
  require(f.kind == x.kind && f.rows == x.rows, "out: expected shape (N,) and the dtype of X");
  Buffer g{nullptr, 0, 0, x.kind};
  if (!grad.is_none()) {
    g = view(grad.cast<py::array>(), "grad", 2, true);
    require(g.kind == x.kind && g.rows == x.rows && g.cols == x.cols,
            "grad: expected the shape and dtype of X");
  }
  Buffer prm{nullptr, 0, 0, x.kind};
  if (!params.is_none()) {
    prm = view(params.cast<py::array>(), "params", 2, false);
    require(prm.kind == x.kind, "params: expected the dtype of X");
    require(prm.cols == p.info().num_params,
            "params: expected " + std::to_string(p.info().num_params) + " columns, got " +
                std::to_string(prm.cols));
  }
  g_last_input = reinterpret_cast<std::uintptr_t>(x.ptr);
  py::gil_scoped_release release;
  if (x.kind == 'f')
    p.evaluate<float>(static_cast<const float*>(x.ptr), x.rows,
                      static_cast<const float*>(prm.ptr), prm.rows, static_cast<float*>(f.ptr),
                      static_cast<float*>(g.ptr));
  else
    p.evaluate<double>(static_cast<const double*>(x.ptr), x.rows,
                       static_cast<const double*>(prm.ptr), prm.rows,
                       static_cast<double*>(f.ptr), static_cast<double*>(g.ptr));
}

py::dict info_dict(const scoreopt::FunctionInfo& fi) {
  py::dict d;
  d["name"] = fi.name;
  d["family"] = fi.family;
  d["description"] = fi.description;
  d["min_dim"] = fi.min_dim;
  d["even_dim"] = fi.even_dim;
  d["lower"] = fi.lower;
  d["upper"] = fi.upper;
  d["smooth"] = fi.smooth;
  d["num_params"] = fi.num_params;
  d["param_lower"] = fi.param_lower;
  d["param_upper"] = fi.param_upper;
  py::list opts;
  for (const auto& o : fi.options) {
    py::dict od;
    od["name"] = o.name;
    od["default"] = o.default_value;
    od["min"] = o.min_value;
    od["max"] = o.max_value;
    od["integer"] = o.integer;
    od["help"] = o.help;
    opts.append(od);
  }
  d["options"] = opts;
  return d;
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "scoreopt compiled core (internal; use the scoreopt package)";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const std::invalid_argument& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const std::out_of_range& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });

  m.def("registry", [] {
    py::list out;
    for (const auto& fi : scoreopt::registry()) out.append(info_dict(fi));
    return out;
  });

  py::class_<Problem>(m, "Problem")
      .def(py::init([](const std::string& name, int dim, const std::map<std::string, double>& o) {
             return Problem(name, dim, o);
           }),
           py::arg("name"), py::arg("dim"), py::arg("options") = std::map<std::string, double>{})
      .def_property_readonly("name", [](const Problem& p) { return p.info().name; })
      .def_property_readonly("dim", &Problem::dim)
      .def_property_readonly("info", [](const Problem& p) { return info_dict(p.info()); })
      .def_property_readonly("options",
                             [](const Problem& p) {
                               py::dict d;
                               for (size_t k = 0; k < p.options().size(); ++k)
                                 d[py::str(p.info().options[k].name)] = p.options()[k];
                               return d;
                             })
      .def_property_readonly("has_affine", [](const Problem& p) { return !p.affine().empty(); })
      .def("affine",
           [](const Problem& p) {
             const auto& a = p.affine();
             return py::make_tuple(a.matrix, a.shift, a.scale, a.bias);
           })
      .def(
          "with_affine",
          [](const Problem& p, std::vector<double> matrix, std::vector<double> shift, double scale,
             double bias) {
            scoreopt::Affine a{std::move(matrix), std::move(shift), scale, bias};
            return p.with_affine(std::move(a));
          },
          py::arg("matrix"), py::arg("shift"), py::arg("scale"), py::arg("bias"))
      .def("known_optimum",
           [](const Problem& p) -> py::object {
             double v;
             std::vector<double> x;
             if (!scoreopt::known_optimum(p.info(), p.dim(), p.options(), &v, &x))
               return py::none();
             return py::make_tuple(v, x);
           })
      .def("evaluate", &evaluate, py::arg("X"), py::arg("params"), py::arg("out"),
           py::arg("grad") = py::none());

  m.def("set_num_threads", &scoreopt::set_num_threads, py::arg("n"));
  m.def("num_threads", &scoreopt::num_threads);
  m.def("_last_input_address", [] { return g_last_input; });
  m.def("compiled_backends", [] {
    py::dict d;
    d["cpu"] = true;
    d["cuda"] = scoreopt::cuda_compiled();
    return d;
  });
  m.def("cuda_device_count", &scoreopt::cuda_device_count);
  m.def("build_info", [] { return scoreopt::build_info(); });
}
