"""COS operation handlers: one function per operation, named for it (`put_object` for PutObject).

A handler parses its inputs, calls the store, and returns a response built through
`cos_ocr_emulator.responses` and `cos_ocr_emulator.xml`. It never formats an error body (it raises `CosError`) and
knows nothing about OCR.
"""
