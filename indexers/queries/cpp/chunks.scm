; inherits: c
; C++ definitions on top of C's. `void Server::handle() {}` is the method `Server::handle`.
(function_definition
  declarator: (function_declarator
    declarator: (qualified_identifier scope: (_) @parent name: (_) @name))) @definition.method
(function_definition
  declarator: (reference_declarator
    (function_declarator declarator: (_) @name))) @definition.function
(class_specifier name: (_) @name body: (field_declaration_list)) @definition.class
(namespace_definition name: (_) @name body: (declaration_list)) @definition.module
(alias_declaration name: (type_identifier) @name) @definition.type
(concept_definition name: (identifier) @name) @definition.type
