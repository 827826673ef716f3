{#- Mitel 6915: programmable top softkeys; context softkeys under the screen.
    Model defaults come first; base.tpl, included last, may override
    them with the function keys configured in provd. -#}
# Mitel 6915
{%- if exten_voicemail %}
softkey1 type: speeddial
softkey1 value: {{ exten_voicemail }}
softkey1 label: {{ XX_dict.voicemail }}
{%- endif %}
{%- if exten_fwd_unconditional %}
softkey2 type: speeddial
softkey2 value: {{ exten_fwd_unconditional }}
softkey2 label: {{ XX_dict.fwd_unconditional }}
{%- endif %}
{%- if exten_dnd %}
softkey3 type: speeddial
softkey3 value: {{ exten_dnd }}
softkey3 label: {{ XX_dict.dnd }}
{%- endif %}
{%- if XX_xivo_phonebook_url %}
softkey4 type: xml
softkey4 value: {{ XX_xivo_phonebook_url }}
softkey4 label: {{ XX_dict.remote_directory }}
{%- endif %}

{% include 'base.tpl' %}
