; Python definitions. Functions inside a class become methods (`Session.request`);
; decorators belong to the definition (see `wrappers` in languages.toml).
(class_definition name: (identifier) @name) @definition.class
(function_definition name: (identifier) @name) @definition.function
