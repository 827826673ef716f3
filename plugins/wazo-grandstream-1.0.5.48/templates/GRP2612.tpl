{% extends 'base_v2.tpl' %}
