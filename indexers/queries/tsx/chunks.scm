; inherits: typescript
; TSX uses the TypeScript definitions unchanged; JSX components are functions or classes.
