{#- Aastra 6753i: six programmable keys with paper labels.
    Model defaults come first; base.tpl, included last, may override
    them with the function keys configured in provd. -#}
# Aastra 6753i
{%- if exten_voicemail %}
prgkey1 type: speeddial
prgkey1 value: {{ exten_voicemail }}
{%- endif %}
{%- if exten_fwd_unconditional %}
prgkey2 type: speeddial
prgkey2 value: {{ exten_fwd_unconditional }}
{%- endif %}
{%- if exten_dnd %}
prgkey3 type: speeddial
prgkey3 value: {{ exten_dnd }}
{%- endif %}
prgkey4 type: directory
prgkey5 type: callers
{%- if XX_xivo_phonebook_url %}
prgkey6 type: xml
prgkey6 value: {{ XX_xivo_phonebook_url }}
{%- endif %}

{% include 'base.tpl' %}
