"""The system model between decide and render (docs/plan-json.md, `model`): units (`model.units`), their
capabilities (`model.capabilities`), the units of decided answers (`model.build`) and the closure
(`model.closure`). The package imports nothing itself: decide imports the model and the model imports decide's
answer types, so each side imports the other's modules, never its package."""
