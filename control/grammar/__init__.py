"""The IOS command grammar: commands registered from IOS-like syntax strings and parsed as IOS does
(abbreviation, `?`, Tab, caret errors, output pipes). It knows no device."""
